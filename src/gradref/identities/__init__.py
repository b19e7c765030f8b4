"""Reference implementations, one module per family (chapter) of the reference.

Importing a module registers its identities in :mod:`gradref.catalog`.
"""
