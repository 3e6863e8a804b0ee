"""The seekers' self-search terminal (求人情報提供端末): enrolled devices at a site, the search a person walking in
makes, numbered tickets for the desk, and each terminal's daily figures (docs/terminal.md)."""
