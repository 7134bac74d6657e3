#!/usr/bin/python3
"""The CGI entry of flaskr: lisod runs this file for every request under /cgi/.

wsgiref's CGIHandler is the bridge between CGI and WSGI (the interface a
Flask app offers): it builds the WSGI environ from the CGI environment
variables and stdin, calls the app, and prints its answer as a CGI response
("Status: 200 OK", header fields, an empty line, the body) on stdout. The
course handed students a hand-written wrapper doing the same.

Python puts this file's own folder first on sys.path, so "import flaskr"
finds flaskr.py beside it, wherever the folder is.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ folder beside the script

from wsgiref.handlers import CGIHandler  # noqa: E402

from flaskr import app  # noqa: E402

CGIHandler().run(app)
