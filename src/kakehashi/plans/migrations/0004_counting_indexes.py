from django.db import migrations

# Indexes that let the progress counts (plans/progress.py) run as index-only scans: each covers the date the
# indicator is counted by, the seeker (whose site the figure belongs to) and the referring staff member, so a
# fiscal year's GROUP BY never reads the referral rows themselves; the seeker index answers "which seekers
# belong to this site" the same way. They live here, beside the queries they serve, and are plain SQL that
# SQLite and PostgreSQL both accept.
INDEXES = [
    ("plans_referral_referred_cover", "referrals_referral", '("referred_on", "seeker_id", "staff_id")', ""),
    ("plans_referral_hired_cover", "referrals_referral", '("outcome_on", "seeker_id", "staff_id")',
     " WHERE \"outcome\" = 'hired'"),
    ("plans_seeker_site_cover", "seekers_seeker", '("site_id", "id")', ""),
]


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_indicator_section_manual_count"),
        ("referrals", "0001_initial"),
        ("seekers", "0001_initial"),
    ]
    operations = [
        migrations.RunSQL(
            sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" {columns}{where}',
            reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
        )
        for name, table, columns, where in INDEXES
    ]
