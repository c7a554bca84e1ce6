"""A local emulator of the Amazon Bedrock runtime (to be filled in)."""
