"""Producers of zonemap records. They know nothing of areas, people or the store."""
