"""ProLight's test helpers, a pytest plugin (registered in this package's pyproject).

infra    real infrastructure on free loopback ports: `nats_server`, `moto_endpoint`, `free_tcp_port`
stack    the six services as OS processes on their own nats-server: `stack` (one per session)
fakes    local fake BRIA and Gemini servers that follow the documented contracts
setups   lighting setups the schema would refuse (`unchecked`), for the renderers' own checks
landmarks  a lighting pattern read off a key-only render (`cheek_profile`)
hosts    test hosts as Linux network namespaces on a bridge in 198.18.0.0/24 (tests/cluster)

Installed with every package's `test` extra; no service imports it.
"""
