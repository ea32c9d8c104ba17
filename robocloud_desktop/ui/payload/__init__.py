"""The work-item payload editor above Trigger: JSON with colours, checked as typed, kept per profile."""
