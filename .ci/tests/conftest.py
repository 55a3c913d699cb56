"""The modules import the collection's module_utils as Ansible sends them to a host
(ansible_collections.djangoops.deploy.plugins.module_utils...): make that importable
here from .cache/collections, which `make setup` links to this checkout."""
import pathlib
import sys

COLLECTIONS = pathlib.Path(__file__).resolve().parents[2] / ".cache" / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
