// The logo printed on documents: a PNG or JPEG, checked by the server (type, size, that it
// is the image it says) before it is kept.
import { useRef, useState, type ChangeEvent } from "react";
import { ApiProblem } from "../../api/client";
import { Card, FormProblem } from "../../components/ui";
import { LOGO_TYPES, MAX_LOGO_BYTES, toBase64, useLogo, useRemoveLogo, useUploadLogo, type CompanySettings, type LogoType } from "./queries";

export function LogoCard({ company, canEdit, onSaved }: { company: CompanySettings; canEdit: boolean; onSaved: (message: string) => void }) {
  const logo = useLogo(company.revision, company.has_logo);
  const upload = useUploadLogo(() => onSaved("Saved the new logo. The next PDF prints it."));
  const remove = useRemoveLogo(() => onSaved("Removed the logo."));
  const [local, setLocal] = useState("");
  const input = useRef<HTMLInputElement>(null);

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    setLocal("");
    if (!file) return;
    if (!LOGO_TYPES.includes(file.type as LogoType)) {
      setLocal("Choose a PNG or JPEG image.");
      return;
    }
    if (file.size > MAX_LOGO_BYTES) {
      setLocal(`The image is ${Math.ceil(file.size / 1024)} KiB; at most ${MAX_LOGO_BYTES / 1024} KiB are taken.`);
      return;
    }
    upload.mutate({ content_type: file.type as LogoType, data: await toBase64(file) });
  };
  const problem = upload.error ?? remove.error;
  const message = problem instanceof ApiProblem ? (problem.messageFor("data") ?? problem.messageFor("content_type")) : undefined;

  return (
    <Card title="Logo">
      <div className="settings-logo">
        {company.has_logo && logo.data ? (
          <img src={logo.data} alt={`${company.name} logo`} className="settings-logo-image" data-testid="logo-preview" />
        ) : (
          <p className="muted">{company.has_logo ? "Loading the logo…" : "No logo: documents print the company name alone."}</p>
        )}
        {canEdit && (
          <div className="settings-logo-actions">
            <label className="btn" htmlFor="f-logo">
              {upload.isPending ? "Uploading…" : company.has_logo ? "Replace logo" : "Upload logo"}
            </label>
            <input id="f-logo" ref={input} type="file" accept={LOGO_TYPES.join(",")} className="sr-only" onChange={(e) => void choose(e)} aria-describedby="f-logo-hint" />
            {company.has_logo && (
              <button className="btn btn-ghost" type="button" onClick={() => remove.mutate(undefined)} disabled={remove.isPending}>
                Remove logo
              </button>
            )}
          </div>
        )}
        <small id="f-logo-hint" className="muted">
          PNG or JPEG, up to 96 KiB and 4096 pixels each way; printed about 40 mm wide.
        </small>
        {(local || message) && (
          <small className="field-error" role="alert">
            {local || message}
          </small>
        )}
        {!message && <FormProblem problem={problem} fields={["data", "content_type"]} />}
      </div>
    </Card>
  );
}
