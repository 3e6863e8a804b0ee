"""The layouts of the postings feeds ``kakehashi import-feed`` reads: one mapping file per layout, naming the
column of the feed that holds each field (docs/interchange.md, 「ハローワーク求人情報の取込」)."""
