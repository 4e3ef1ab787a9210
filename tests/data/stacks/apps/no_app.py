"""A module that builds no CDK app."""

VALUE = 42
