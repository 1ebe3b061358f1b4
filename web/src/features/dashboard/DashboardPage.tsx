import { PageHeader } from "../../components/ui";

export default function DashboardPage() {
  return <PageHeader title="Dashboard" />;
}
