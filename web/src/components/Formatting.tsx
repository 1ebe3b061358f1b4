// The one source of the locale and currency that every formatter in format.ts uses: the
// browser's locale unless one is given, and the company's currency.
import { createContext, Fragment, useContext, useEffect, useMemo, type ReactNode } from "react";
import { browserLocale, setFormatting, type Formatting } from "../lib/format";

const FormattingContext = createContext<Formatting>({ locale: browserLocale(), currency: "EUR" });

export function FormatProvider({ locale, currency, children }: { locale?: string; currency?: string; children: ReactNode }) {
  const value = useMemo(() => ({ locale: locale || browserLocale(), currency: currency || "EUR" }), [locale, currency]);
  // Set before the children render, so their first paint already uses it.
  setFormatting(value);
  // The page says its language too (screen readers, the browser's own controls).
  useEffect(() => {
    document.documentElement.lang = value.locale;
  }, [value.locale]);
  return (
    <FormattingContext.Provider value={value}>
      {/* A change of locale or currency redraws every figure below. */}
      <FormattingKey value={value}>{children}</FormattingKey>
    </FormattingContext.Provider>
  );
}

function FormattingKey({ value, children }: { value: Formatting; children: ReactNode }) {
  return <Fragment key={`${value.locale}|${value.currency}`}>{children}</Fragment>;
}

/** The locale and currency in force (for a component that formats with Intl itself). */
export function useFormatting(): Formatting {
  return useContext(FormattingContext);
}
