"""The engine both service wings stand on: call path, retries, seam, errors, models."""
