import { PageHeader } from "../../components/ui";

export default function OrdersPage() {
  return <PageHeader title="Orders" />;
}
