from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify

from .models import Post


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["author", "title", "body", "tags", "attachment"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > settings.MAX_UPLOAD_SIZE:
            raise forms.ValidationError(
                "The file is %(size)s; the limit is %(limit)s.",
                code="file_too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.MAX_UPLOAD_SIZE),
                },
            )
        return upload

    def save(self, commit=True):
        post = super().save(commit=False)
        post.slug = unique_slug(post.title)
        if commit:
            post.save()
            self.save_m2m()
        return post


# Slugs that would shadow a URL under /posts/.
RESERVED_SLUGS = {"new"}


def unique_slug(title):
    base = slugify(title)[:200] or "post"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Post.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
