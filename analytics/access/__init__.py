"""Who may see and do what: scope, accounts, sign-in, pseudonyms, audit."""
