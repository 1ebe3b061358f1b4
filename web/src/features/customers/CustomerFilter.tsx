// "Which customer" for a list's filters: every customer of the directory by name.
import { SelectField } from "../../components/ui";
import { useCustomerDirectory } from "./queries";

export function CustomerFilter({ value, onChange }: { value: string; onChange: (customer: string) => void }) {
  const directory = useCustomerDirectory();
  return (
    <SelectField label="Customer" name="customer" value={value} onChange={(e) => onChange(e.target.value)} disabled={directory.isPending}>
      <option value="">{directory.isError ? "Customers unavailable" : "All customers"}</option>
      {directory.data?.items.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </SelectField>
  );
}
