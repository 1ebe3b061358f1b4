"""What every module stands on: settings, database, unit of work, events, bus, errors, auth."""
