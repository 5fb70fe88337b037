"""Heartbeat ``ha.cf`` rules (HB100–HB118).

File-scope rules read the ha.cf model and, when the file belongs to a node, that node's other
parts and facts through ``ctx.node`` (loose files get an anonymous node without facts, so the
fact-based parts of a check simply stay silent).
"""
