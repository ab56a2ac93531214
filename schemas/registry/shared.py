"""Columns with one meaning in many published tables, declared once.

Source: the published data dictionary (README, "For analysts"): a centre, a pseudonymous
patient and a refresh are named the same way in every table that holds them.
"""

from __future__ import annotations

from schemas.registry.model import col

CENTRE_ID = col("centre_id", "text", "Centre code")
PATIENT_KEY = col("patient_key", "text", "Pseudonymous patient key")
REFRESH_ID = col("refresh_id", "text", "Refresh identifier")
