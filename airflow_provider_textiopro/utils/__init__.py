"""Pure rules the hook, operators, sensors and triggers share: no I/O to TextioPro here."""
