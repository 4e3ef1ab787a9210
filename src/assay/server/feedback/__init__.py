"""Feedback reports with attachments, delivered as GitHub issues by a background job."""
