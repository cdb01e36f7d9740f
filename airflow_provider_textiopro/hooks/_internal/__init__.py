"""What only the hook uses: endpoints, answers, retries, redaction, connection settings and form."""
