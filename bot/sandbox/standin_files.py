"""The stand-in's file uploads: files.getUploadURLExternal, the upload URL, and sharing."""

from __future__ import annotations

import time

from bot.sandbox.standin_records import ApiCall, Result, StoredFile, api_error
from bot.sandbox.standin_state import StandInState


class FileMethods(StandInState):
    """Slack's two-step upload: reserve a URL, POST the bytes, complete into a channel."""

    def api_files_getUploadURLExternal(self, params: Result) -> Result:
        """Reserve a file id and a URL to POST its bytes to."""
        try:
            length = int(params["length"])
        except (TypeError, ValueError):
            return api_error("invalid_arguments", "[ERROR] length must be an integer")
        self._counter += 1
        file_id = f"F0{self._counter:08d}"
        team = self.workspace.team.id
        self._files[file_id] = StoredFile(file_id, str(params["filename"]), length, team=team)
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """Take the bytes POSTed to an upload URL."""
        with self._lock:
            fault = self._take_fault("upload")
            if fault is not None:
                return fault.status, fault.error or "upload_failed"
            stored = self._files.get(file_id)
            if stored is None:
                return 404, "file_not_found"
            stored.data = data
            call = ApiCall("upload", {"file_id": file_id}, time.time(), 200, len(data), stored.team)
            self._calls.append(call)
            return 200, f"OK - {len(data)}"

    def api_files_completeUploadExternal(self, params: Result) -> Result:
        """Finish uploads and share them into a channel or DM as one message."""
        listed = params.get("files")
        if not isinstance(listed, list) or not listed:
            return api_error("invalid_arguments", "[ERROR] files must be a JSON array")
        stored: list[StoredFile] = []
        for item in listed:
            found = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if found is None or found.data is None:
                return api_error("file_not_found")
            found.title = str(item.get("title") or found.title or found.filename)
            stored.append(found)
        target = params.get("channel_id") or str(params.get("channels") or "").split(",")[0]
        if target:
            channel, error = self._destination(str(target))
            if channel is None:
                return api_error(error)
            for f in stored:
                f.channels.append(channel.id)
            post = {"text": params.get("initial_comment") or ""}
            message = self._bot_message(channel.id, post, params.get("thread_ts"))
            message.files = [f.to_api() for f in stored]
        return {"ok": True, "files": [f.to_api() for f in stored]}
