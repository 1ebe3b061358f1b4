// Downloads a billing document. A PDF is rendered shortly after the document is issued; until
// then the server answers 404 or 409, which deserves a plain sentence rather than a code.
import { useState } from "react";
import { ApiProblem, download } from "../../api/client";

function explain(error: unknown): string {
  if (error instanceof ApiProblem && (error.status === 404 || error.status === 409)) {
    return "The PDF is still being prepared. Try again in a few seconds.";
  }
  return error instanceof Error ? error.message : "The PDF could not be downloaded.";
}

export function PdfButton({
  path,
  filename,
  label = "Download PDF",
  small = false,
  ariaLabel,
}: {
  path: string;
  filename: string;
  label?: string;
  small?: boolean;
  ariaLabel?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function fetchPdf() {
    setBusy(true);
    setError(null);
    try {
      await download(path, filename);
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="pdf-button">
      <button className={`btn ${small ? "btn-small" : ""}`} type="button" onClick={() => void fetchPdf()} disabled={busy} aria-label={ariaLabel}>
        {busy ? "Preparing…" : label}
      </button>
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}
