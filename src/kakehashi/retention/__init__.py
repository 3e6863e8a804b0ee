"""Data retention (保存期間): a seeker's personal data is anonymised once the installation's retention period has
passed since their last activity, and every figure stays as it was.

Not job retention (定着, ``referrals.retention``). Who is due: ``due``; what each field becomes: the declared
table ``accounts.policy.RETENTION``; the change: ``actions``; the command: ``kakehashi retention apply``.
See docs/retention.md.
"""
