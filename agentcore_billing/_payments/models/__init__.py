"""Typed models of AgentCore Payments requests and responses."""
