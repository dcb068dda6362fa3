// The antd message and modal hooks behind src/feedback.tsx, loaded after the first screen. Rendered inside
// the ConfigProvider, so toasts and dialogs follow the theme and the language.
import { message, Modal } from "antd";
import type { MessageInstance } from "antd/es/message/interface";
import type { HookAPI } from "antd/es/modal/useModal";
import { useEffect } from "react";

export interface FeedbackApis {
  message: MessageInstance;
  modal: HookAPI;
}

export default function FeedbackHolder({ onReady }: { onReady: (apis: FeedbackApis) => void }) {
  const [messageApi, messageHolder] = message.useMessage();
  const [modalApi, modalHolder] = Modal.useModal();
  useEffect(() => onReady({ message: messageApi, modal: modalApi }), [onReady, messageApi, modalApi]);
  return (
    <>
      {messageHolder}
      {modalHolder}
    </>
  );
}
