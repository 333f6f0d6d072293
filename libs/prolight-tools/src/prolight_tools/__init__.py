"""ProLight's tools, on top of everything: the `prolight` CLI, the HTTP client it uses, and the
stack that `prolight up` (and `make run`) starts. No service imports them."""
