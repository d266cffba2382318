"""gridcare: customer care for electricity distribution companies."""
