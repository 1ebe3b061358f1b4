import { PageHeader } from "../../components/ui";

export default function InventoryPage() {
  return <PageHeader title="Inventory" />;
}
