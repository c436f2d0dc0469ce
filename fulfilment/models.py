# Models of this domain arrive with its issue; every model gets simple-history (HistoricalRecords).
