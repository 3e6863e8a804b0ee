"""Job development (求人開拓): the needs gap, employer targeting, individual job development and the record of
development contacts with what each one produced."""
