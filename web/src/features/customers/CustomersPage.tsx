import { PageHeader } from "../../components/ui";

export default function CustomersPage() {
  return <PageHeader title="Customers" />;
}
