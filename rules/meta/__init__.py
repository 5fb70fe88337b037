"""Meta rules: about the lint run itself rather than the cluster.

PARSE001..PARSE004 document the parser diagnostics, which the engine reports under these IDs
(so they can be explained, selected and given a severity like any rule); HAL001 reports
suppression comments that silence nothing.
"""
