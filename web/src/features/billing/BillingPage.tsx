import { PageHeader } from "../../components/ui";

export default function BillingPage() {
  return <PageHeader title="Billing" />;
}
