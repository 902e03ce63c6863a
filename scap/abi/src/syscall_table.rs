// (empty: to be filled)
