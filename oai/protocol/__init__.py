"""The OAI-PMH 2.0 core: requests, datestamps, tokens, XML and the verbs.

Nothing in this package does I/O or touches a global: no Flask, no SQL, no network.
A verb can be run with a dict in and bytes out (`Provider.handle`); the data comes
from a `Repository` object that the web layer passes in.
"""
