"""Staff sign-in as a city's information-security policy asks for it: a second factor (TOTP, recovery codes)
for every account, lockout after repeated failures, sessions that end when idle or old, and every sign-in event
in the audit log. The security headers every response carries live here too (``middleware``)."""
