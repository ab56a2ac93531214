SELECT * FROM quality.queries;
