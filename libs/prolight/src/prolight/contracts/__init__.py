"""Layer 2, the contracts: what crosses a process boundary.

Events and their subjects on the bus, the HTTP request and response bodies, the published JSON
Schemas and AsyncAPI document. Imports the domain only.
"""
