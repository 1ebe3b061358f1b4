// Company settings: the company printed on documents, money and date formats, the logo, tax
// rates and document numbering. Every signed-in user may look; only admins change them.
import { useState } from "react";
import { useAuth } from "../../auth/AuthContext";
import { Card, PageHeader, QueryView } from "../../components/ui";
import { CompanyForm } from "./CompanyForm";
import { useCompanySettings } from "./queries";
import { LogoCard } from "./LogoCard";
import { NumberingCard } from "./NumberingCard";
import { TaxRatesCard } from "./TaxRatesCard";
import "./settings.css";

export default function SettingsPage() {
  const auth = useAuth();
  const company = useCompanySettings();
  const [notice, setNotice] = useState("");
  const canEdit = auth.can("settings:manage");

  return (
    <>
      <PageHeader
        title="Settings"
        subtitle={canEdit ? "What invoices and credit notes print, and how the app writes money and dates." : "Only an administrator can change these settings."}
      />
      <p className="settings-notice" role="status" aria-live="polite">
        {notice}
      </p>
      <div className="settings-layout">
        <Card title="Company">
          <QueryView query={company}>
            {(settings) => <CompanyForm key={settings.revision} company={settings} canEdit={canEdit} onSaved={setNotice} />}
          </QueryView>
        </Card>
        <div className="settings-side">
          {company.data && <LogoCard company={company.data} canEdit={canEdit} onSaved={setNotice} />}
          <TaxRatesCard canEdit={canEdit} onSaved={setNotice} />
        </div>
        <div className="settings-full">
          <NumberingCard canEdit={canEdit} onSaved={setNotice} />
        </div>
      </div>
    </>
  );
}
