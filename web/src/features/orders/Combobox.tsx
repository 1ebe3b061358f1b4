// A search-as-you-type picker following the WAI-ARIA combobox pattern: the input owns a
// listbox, arrow keys move the active option, Enter picks it, Escape closes the list. An Enter
// pressed while the results are not yet those of the typed text waits for them, so it never
// picks from an older search's list.
import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from "react";

interface Props<T> {
  label: string;
  value: string;
  onInputChange: (text: string) => void;
  options: T[] | undefined;
  optionKey: (option: T) => string;
  renderOption: (option: T) => ReactNode;
  onSelect: (option: T) => void;
  searching?: boolean;
  emptyText: string;
  placeholder?: string;
  error?: string;
  name?: string;
}

export function Combobox<T>({
  label,
  value,
  onInputChange,
  options,
  optionKey,
  renderOption,
  onSelect,
  searching,
  emptyText,
  placeholder,
  error,
  name,
}: Props<T>) {
  const id = useId();
  const inputId = `${id}-input`;
  const listId = `${id}-list`;
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [enterWaiting, setEnterWaiting] = useState(false);
  const list = options ?? [];
  const showList = open && list.length > 0;
  const showEmpty = open && options !== undefined && list.length === 0 && !searching;
  const activeIndex = Math.min(active, list.length - 1);

  const choose = (option: T) => {
    onSelect(option);
    setOpen(false);
    setActive(0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) setOpen(true);
      else setActive((a) => (list.length ? (Math.min(a, list.length - 1) + 1) % list.length : 0));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setOpen(true);
      setActive((a) => (list.length ? (Math.min(a, list.length - 1) - 1 + list.length) % list.length : 0));
    } else if (event.key === "Enter") {
      const option = list[activeIndex];
      if (open && searching) {
        event.preventDefault();
        setEnterWaiting(true);
      } else if (showList && option !== undefined) {
        event.preventDefault();
        choose(option);
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      setOpen(false);
    }
  };

  const waitingOption = enterWaiting && !searching ? list[activeIndex] : undefined;
  useEffect(() => {
    if (!enterWaiting || searching) return;
    setEnterWaiting(false);
    if (open && waitingOption !== undefined) choose(waitingOption);
  });

  return (
    <div className="field picker">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        name={name}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={showList}
        aria-controls={showList ? listId : undefined}
        aria-activedescendant={showList ? `${listId}-${activeIndex}` : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${inputId}-error` : undefined}
        placeholder={placeholder}
        value={value}
        onChange={(e) => {
          onInputChange(e.target.value);
          setOpen(true);
          setActive(0);
          setEnterWaiting(false);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => {
          setOpen(false);
          setEnterWaiting(false);
        }}
        onKeyDown={onKeyDown}
      />
      {showList && (
        <ul id={listId} role="listbox" aria-label={label} className="picker-list">
          {list.map((option, index) => (
            <li
              key={optionKey(option)}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === activeIndex}
              // Keep focus in the input so the click lands before blur closes the list.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(option)}
              onMouseEnter={() => setActive(index)}
            >
              {renderOption(option)}
            </li>
          ))}
        </ul>
      )}
      {showEmpty && (
        <div className="picker-list muted" role="status">
          {emptyText}
        </div>
      )}
      {error && (
        <small id={`${inputId}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}
