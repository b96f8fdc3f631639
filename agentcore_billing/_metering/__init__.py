"""The AWS Marketplace Metering wing: records, batch planning, sending, results."""
