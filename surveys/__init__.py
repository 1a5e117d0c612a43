"""SPACE surveys: definitions and the import of survey exports into the store (SPEC §7).

* ``surveys.definition`` loads and validates a survey definition (scales, items, the team question);
  ``surveys/definitions/space-default.yaml`` is the one shipped.
* ``surveys.formats`` reads an export (CSV or .xlsx) and turns each supported tool's layout (long,
  Google Forms, Microsoft Forms, Typeform, Qualtrics) into neutral raw responses.
* ``surveys.importer`` matches columns to items and answers to scale points, pseudonymises
  respondents, and writes items, responses and answers in one transaction, or nothing.

This package imports only ``store`` of ours.
"""
