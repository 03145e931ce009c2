import re

from django import forms

ZIP_PATTERN = re.compile(r"^\d{5}$")


class FindChapterForm(forms.Form):
    zip = forms.CharField(
        label="Your ZIP code",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code", "size": 6}),
        error_messages={"required": "Type your five-digit ZIP code."},
    )

    def clean_zip(self) -> str:
        code = self.cleaned_data["zip"].strip()
        # ZIP+4 ("29201-1234") is how many people write their ZIP; only the first five digits matter.
        code = code.split("-")[0] if re.fullmatch(r"\d{5}-\d{4}", code) else code
        if not ZIP_PATTERN.match(code):
            raise forms.ValidationError("A ZIP code is five digits, like 29201.")
        return code
