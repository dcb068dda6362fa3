// A colour as #RRGGBB: a picker and the hex code side by side (either can be used).
import { ColorPicker, Input, Space } from "antd";

const HEX = /^#?[0-9A-Fa-f]{6}$/;

interface Props {
  id?: string;
  value?: string;
  onChange?: (value: string) => void;
  label: string;
}

export function HexColorInput({ id, value = "", onChange, label }: Props) {
  const valid = HEX.test(value);
  return (
    <Space.Compact style={{ width: "100%" }}>
      <ColorPicker
        disabledAlpha
        value={valid ? (value.startsWith("#") ? value : `#${value}`) : "#FFFFFF"}
        onChange={(color) => onChange?.(color.toHexString().slice(0, 7).toUpperCase())}
        aria-label={label}
        data-testid="brandkit-color-picker"
      />
      <Input
        id={id}
        value={value}
        maxLength={7}
        placeholder="#E60012"
        aria-label={`${label} HEX`}
        onChange={(event) => onChange?.(event.target.value.trim().toUpperCase())}
        style={{ fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" }}
        data-testid="brandkit-hex"
      />
    </Space.Compact>
  );
}
