"""Server-side sessions: the rules once (:mod:`.base`), the save plan
computed without I/O (:mod:`.plan`), and one module per backend."""
