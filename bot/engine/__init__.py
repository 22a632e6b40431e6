"""The messenger-independent conversation engine: forms as data, parsers, neutral replies, the step runner."""
