"""What every benchmark stands on: starting the product (embedded or services), waiting for
it, loading it (closed and open loops), sampling its processes, the machine it ran on, the
results file and the scenario's section of docs/PERFORMANCE.md. A scenario (bench/<name>.py)
holds only what it measures and how it reports it."""
