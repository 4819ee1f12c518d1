"""The bundled example review: five study records, installed as ``synthesis.studies``."""
