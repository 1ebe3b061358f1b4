// The company settings: read by every signed-in user (formatting follows the company's
// currency and locale), changed by admins. Keys start with "settings"; every change
// refreshes them, and the next invoice and PDF use the new values.
import { useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../../api/client";
import { useChange } from "../../lib/useChange";

export type CompanySettings = Schemas["CompanyRead"];
export type CompanyChanges = Schemas["CompanyUpdate"];
export type TaxRate = Schemas["TaxRateRead"];
export type Series = Schemas["SeriesRead"];
export type SeriesChanges = Schemas["SeriesUpdate"];
export type LogoType = Schemas["LogoUpload"]["content_type"];

export const LOGO_TYPES: LogoType[] = ["image/png", "image/jpeg"];
export const MAX_LOGO_BYTES = 96 * 1024;

/** The company's settings: name, address, currency, locale, payment terms, fiscal year. */
export function useCompanySettings() {
  return useQuery({
    queryKey: ["settings", "company"],
    queryFn: () => call(api.GET("/settings/company")),
    staleTime: 60_000,
  });
}

function useSettingsChange<T, R>(send: (body: T) => Promise<R>, onDone?: (result: R) => void) {
  return useChange([["settings"]], send, onDone);
}

export function useUpdateCompany(onDone?: (company: CompanySettings) => void) {
  return useSettingsChange((body: CompanyChanges) => call(api.PATCH("/settings/company", { body })), onDone);
}

/** The logo as an object URL for an <img> (it needs the token, so it is fetched here). */
export function useLogo(revision: number | undefined, hasLogo: boolean) {
  return useQuery({
    queryKey: ["settings", "logo", revision],
    enabled: hasLogo,
    queryFn: async () => URL.createObjectURL(await call(api.GET("/settings/company/logo", { parseAs: "blob" }))),
  });
}

export function useUploadLogo(onDone?: (company: CompanySettings) => void) {
  return useSettingsChange((body: Schemas["LogoUpload"]) => call(api.PUT("/settings/company/logo", { body })), onDone);
}

export function useRemoveLogo(onDone?: (company: CompanySettings) => void) {
  return useSettingsChange(() => call(api.DELETE("/settings/company/logo")), onDone);
}

export function useTaxRates() {
  return useQuery({ queryKey: ["settings", "tax-rates"], queryFn: () => call(api.GET("/settings/tax-rates")) });
}

export function useCreateTaxRate(onDone?: (rate: TaxRate) => void) {
  return useSettingsChange((body: Schemas["TaxRateCreate"]) => call(api.POST("/settings/tax-rates", { body })), onDone);
}

export function useUpdateTaxRate(code: string, onDone?: (rate: TaxRate) => void) {
  return useSettingsChange(
    (body: Schemas["TaxRateUpdate"]) => call(api.PATCH("/settings/tax-rates/{code}", { params: { path: { code } }, body })),
    onDone,
  );
}

export function useNumbering() {
  return useQuery({ queryKey: ["settings", "numbering"], queryFn: () => call(api.GET("/settings/numbering")) });
}

export function useUpdateSeries(series: string, onDone?: (series: Series) => void) {
  return useSettingsChange(
    (body: SeriesChanges) =>
      call(api.PATCH("/settings/numbering/{series_name}", { params: { path: { series_name: series } }, body })),
    onDone,
  );
}

/** A file's bytes as base64, as the logo upload takes them. */
export function toBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(reader.error ?? new Error("The file cannot be read."));
    reader.readAsDataURL(file);
  });
}
