"""The AgentCore Payments wing: facade operations over the engine, and their models."""
