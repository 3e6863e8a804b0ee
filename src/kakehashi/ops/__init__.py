"""Running an installation: the scheduled jobs and their record, backups, the health check and the production
server's start-up checks."""
