"""Light physics: colour temperature, illuminance and meter readings, ratios, softness."""
